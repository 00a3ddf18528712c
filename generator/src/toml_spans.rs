//! Positions in TOML text (`acp-codegen.toml`, `merchant.toml`) from the toml parser's own spans,
//! for errors that name a line and column.

use toml::de::{DeTable, DeValue};

/// 1-based line and column (in characters) of byte `offset` of `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// 1-based line and column of the key at `path` (`["signing", "key"]`) in `text`; when the last
/// key is not written out, of the deepest table of the path that is (its header, or the key
/// naming it). `None` when the text does not parse or the path's first key is missing.
pub fn key_position(text: &str, path: &[&str]) -> Option<(usize, usize)> {
    let root = DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut found = None;
    for step in path {
        let Some((key, value)) = table.get_key_value(*step) else {
            break;
        };
        found = Some(key.span().start);
        match value.get_ref() {
            DeValue::Table(inner) => table = inner,
            _ => break,
        }
    }
    found.map(|offset| line_column(text, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# comment\n[merchant]\napi_key = \"k\"\n\n[payment]\n  exp_month = 13\n\"quoted key\" = 1\n[a.b]\nc = 1\n";

    #[test]
    fn keys_are_found_where_the_parser_saw_them() {
        assert_eq!(key_position(TEXT, &["merchant", "api_key"]), Some((3, 1)));
        assert_eq!(key_position(TEXT, &["payment", "exp_month"]), Some((6, 3)));
        assert_eq!(key_position(TEXT, &["payment", "quoted key"]), Some((7, 1)));
        assert_eq!(key_position(TEXT, &["a", "b", "c"]), Some((9, 1)));
    }

    #[test]
    fn a_missing_key_points_at_its_table() {
        assert_eq!(key_position(TEXT, &["payment", "cvc"]), Some((5, 2)));
        assert_eq!(key_position(TEXT, &["nowhere", "key"]), None);
        assert_eq!(key_position("not = [toml", &["not"]), None);
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_column("é = 1\nab", 8), (2, 2));
        assert_eq!(line_column("abc", 99), (1, 4));
    }
}
