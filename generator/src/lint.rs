//! Spec defects: invalid examples, OpenAPI vs JSON Schema differences, bad keywords.

use crate::{Diagnostic, Error, Generator};

/// Every finding for one version, sorted by location.
pub fn lint(generator: &Generator, version: &str) -> Result<Vec<Diagnostic>, Error> {
    Ok(generator.api(version)?.diagnostics)
}
