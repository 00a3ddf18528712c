//! What both macros share when reading their arguments: string literals, and the examples
//! their error messages show (placeholders, so they never name a version that is not the
//! newest).

use syn::spanned::Spanned;
use syn::{Expr, Lit, LitStr};

/// The `version` shown in error messages.
pub const VERSION_EXAMPLE: &str = "YYYY-MM-DD";

/// The generated module of a version, as error messages show it.
pub const MODULE_EXAMPLE: &str = "acp::vYYYY_MM_DD";

/// `expr` as a string literal, or an error showing `key = "example"`.
pub fn string_literal(expr: Expr, key: &str, example: &str) -> syn::Result<LitStr> {
    match &expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit.clone()),
        _ => Err(syn::Error::new(
            expr.span(),
            format!("acp: `{key}` takes a string literal: `{key} = \"{example}\"`"),
        )),
    }
}
