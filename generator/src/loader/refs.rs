//! `$ref` resolution across the files of a version.
//!
//! A reference is resolved against the referring file's `$id` first (RFC 3986, as JSON Schema
//! says), then against the file's place on disk. The real specs need the second step: cart and
//! discount refer to `schema.agentic_checkout.json` while their `$id` bases are not the checkout
//! bundle's, so standard resolution finds nothing.

use super::SpecSet;

/// What a `$ref` points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// Index into [`SpecSet::files`].
    pub file: usize,
    /// JSON pointer inside it (`""` for the root).
    pub pointer: String,
    /// The reference only resolved by file path, not by `$id`.
    pub by_path_only: bool,
}

/// Why a `$ref` does not resolve.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum RefError {
    /// No loaded file matches the reference's document part.
    #[error("`{reference}` names a document that is not part of this version (looked for `{looked_for}`)")]
    UnknownDocument {
        /// The `$ref` value.
        reference: String,
        /// The path it was resolved to.
        looked_for: String,
    },
    /// The document exists but the pointer leads nowhere.
    #[error("`{reference}` points at nothing in {file}")]
    Dangling {
        /// The `$ref` value.
        reference: String,
        /// The document.
        file: String,
    },
    /// Only JSON-pointer fragments are supported (`#/...`), not anchors.
    #[error("`{reference}` uses a fragment that is not a JSON pointer")]
    NotAPointer {
        /// The `$ref` value.
        reference: String,
    },
}

impl SpecSet {
    /// Resolves `reference` found in file `from`.
    pub fn resolve(&self, from: usize, reference: &str) -> Result<Target, RefError> {
        let (document, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let fragment = percent_decode(fragment);
        if !fragment.is_empty() && !fragment.starts_with('/') {
            return Err(RefError::NotAPointer {
                reference: reference.to_string(),
            });
        }
        let (file, by_path_only) = if document.is_empty() {
            (from, false)
        } else {
            self.find_document(from, document)
                .ok_or_else(|| RefError::UnknownDocument {
                    reference: reference.to_string(),
                    looked_for: join_path(&self.files[from].path, document),
                })?
        };
        if self.files[file].get(&fragment).is_none() {
            return Err(RefError::Dangling {
                reference: reference.to_string(),
                file: self.files[file].path.clone(),
            });
        }
        Ok(Target {
            file,
            pointer: fragment,
            by_path_only,
        })
    }

    fn find_document(&self, from: usize, document: &str) -> Option<(usize, bool)> {
        let base_id = self.files[from].value.get("$id").and_then(|v| v.as_str());
        let absolute = if document.contains("://") {
            Some(document.to_string())
        } else {
            base_id.map(|base| join_path(base, document))
        };
        if let Some(found) = absolute.as_deref().and_then(|id| self.by_id.get(id)) {
            return Some((*found, false));
        }
        let by_path = self
            .by_path
            .get(&join_path(&self.files[from].path, document))?;
        Some((*by_path, base_id.is_some()))
    }
}

/// Resolves a relative path against the directory of `base` (a path or URL), folding `.` and
/// `..` segments.
fn join_path(base: &str, relative: &str) -> String {
    let (prefix, base_path) = match base.find("://") {
        Some(scheme_end) => {
            let after = &base[scheme_end + 3..];
            let host_end = after.find('/').map_or(base.len(), |i| scheme_end + 3 + i);
            (&base[..host_end], &base[host_end..])
        }
        None => ("", base),
    };
    let mut segments: Vec<&str> = base_path.split('/').collect();
    segments.pop(); // the file name
    for part in relative.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    format!("{prefix}{}", segments.join("/"))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // Bytes, not `&text[..]`: the two after `%` may be part of a multi-byte character.
        if let (b'%', Some(high), Some(low)) = (
            bytes[i],
            bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16)),
            bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16)),
        ) {
            out.push((high * 16 + low) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_paths_and_urls() {
        assert_eq!(
            join_path(
                "spec/v/openapi/openapi.a.yaml",
                "../json-schema/schema.a.json"
            ),
            "spec/v/json-schema/schema.a.json"
        );
        assert_eq!(
            join_path("spec/v/openapi/openapi.a.yaml", "./openapi.b.yaml"),
            "spec/v/openapi/openapi.b.yaml"
        );
        assert_eq!(
            join_path("https://x.com/schemas/cart/bundle.json", "schema.c.json"),
            "https://x.com/schemas/cart/schema.c.json"
        );
    }

    #[test]
    fn percent_decoding_is_byte_safe() {
        assert_eq!(percent_decode("/%24defs/A%20B"), "/$defs/A B");
        assert_eq!(percent_decode("/%aé/%zz/%2"), "/%aé/%zz/%2");
        assert_eq!(percent_decode("/%C3%A9"), "/é");
    }

    #[test]
    fn resolves_local_by_id_and_by_path() {
        let set = SpecSet::from_sources(
            "v",
            &[
                ("spec/v/json-schema/schema.a.json", r##"{"$id":"https://x.com/a/bundle.json","$defs":{"A":{"type":"string"},"B":{"$ref":"#/$defs/A"}}}"##),
                ("spec/v/json-schema/schema.b.json", r##"{"$id":"https://x.com/b/bundle.json","$defs":{"C":{"$ref":"schema.a.json#/$defs/A"},"D":{"$ref":"https://x.com/a/bundle.json#/$defs/A"}}}"##),
            ],
        )
        .unwrap();
        let local = set.resolve(0, "#/$defs/A").unwrap();
        assert_eq!(
            (local.file, local.pointer.as_str(), local.by_path_only),
            (0, "/$defs/A", false)
        );
        let by_path = set.resolve(1, "schema.a.json#/$defs/A").unwrap();
        assert_eq!((by_path.file, by_path.by_path_only), (0, true));
        let by_id = set
            .resolve(1, "https://x.com/a/bundle.json#/$defs/A")
            .unwrap();
        assert_eq!((by_id.file, by_id.by_path_only), (0, false));
        assert!(matches!(
            set.resolve(0, "#/$defs/Nope"),
            Err(RefError::Dangling { .. })
        ));
        assert!(matches!(
            set.resolve(0, "other.json#/x"),
            Err(RefError::UnknownDocument { .. })
        ));
        assert!(matches!(
            set.resolve(0, "#anchor"),
            Err(RefError::NotAPointer { .. })
        ));
    }
}
