//! Synthetic product catalogs (`acp-codegen feed sample`): valid `Product` lines built from the
//! generated models, with a chosen fraction of lines broken on purpose and the list of what was
//! broken where.

use std::io::{self, Write};

/// What to write.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// Products (lines) to write.
    pub count: u64,
    /// Seed of the pseudo-random generator: the same options write the same bytes.
    pub seed: u64,
    /// Fraction of lines (0.0 to 1.0) that get one injected fault.
    pub fault_rate: f64,
}

/// One fault written on purpose.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InjectedFault {
    /// 1-based line.
    pub line: u64,
    /// RFC 9535 normalized JSONPath of the faulty value, as the validator reports it.
    pub path: String,
    /// The problem kind the validator reports (`acp_runtime::jsonl::ProblemKind::as_str`).
    pub kind: &'static str,
    /// What was done, in words.
    pub fault: String,
}

/// Counts of a written sample.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleSummary {
    pub lines: u64,
    pub bytes: u64,
    pub faults: u64,
}

/// Writes `options.count` product lines to `out`, calling `on_fault` for each injected fault in
/// line order.
pub fn write_sample(
    out: &mut impl Write,
    options: &SampleOptions,
    on_fault: impl FnMut(&InjectedFault),
) -> io::Result<SampleSummary> {
    let _ = (out, options, on_fault);
    Err(io::Error::other("not written yet"))
}
