//! Changes present in only one of a spec's two formats. Where an OpenAPI component mirrors a
//! JSON Schema definition, the generated types follow the JSON Schema, so an edit made to one
//! copy alone is invisible in the merged comparison (when the other copy already said so) or
//! looks like a change of both. Each version is therefore also read from each format alone; a
//! change to a mirrored schema that one format's comparison has and the other's lacks is
//! reported as a change of that format.

use std::collections::HashSet;

use serde::Serialize;

use super::{diff, Change, Diff};
use crate::convert::{convert_reading, Reading};
use crate::ir::Api;
use crate::{Error, Generator};

/// One of the two formats a spec's schemas are published in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpecFormat {
    /// The OpenAPI file's `components/schemas`.
    Openapi,
    /// The JSON Schema bundle's `$defs`.
    JsonSchema,
}

impl SpecFormat {
    /// How reports name it.
    pub fn title(self) -> &'static str {
        match self {
            SpecFormat::Openapi => "OpenAPI file only",
            SpecFormat::JsonSchema => "JSON Schema file only",
        }
    }
}

/// A version read as generated (both formats merged) and from each format alone.
pub struct Views {
    /// Both formats, as generated.
    pub merged: Api,
    /// Schemas both formats define read from the OpenAPI file alone.
    pub openapi: Api,
    /// Schemas both formats define read from the JSON Schema bundle alone.
    pub json_schema: Api,
}

impl Views {
    /// Loads and converts `version` three ways. Only the merged reading must be free of errors
    /// (it is the one generation uses).
    pub fn load(generator: &Generator, version: &str) -> Result<Views, Error> {
        let set = generator.spec_set(version)?;
        Ok(Views {
            merged: generator.api_of(&set)?,
            openapi: convert_reading(&set, Reading::Openapi),
            json_schema: convert_reading(&set, Reading::JsonSchema),
        })
    }
}

/// [`diff`] of the merged readings, with changes to mirrored schemas attributed to the one
/// format that has them, and those only one format has added.
pub fn diff_views(old: &Views, new: &Views, from: &str, to: &str, only: Option<&str>) -> Diff {
    let mut result = diff(&old.merged, &new.merged, from, to, only);
    let mirrored: HashSet<(String, String)> = mirrored(&old.merged)
        .into_iter()
        .chain(mirrored(&new.merged))
        .collect();
    let on_mirror = |change: &Change| {
        let ty = change.location.split('.').next().unwrap_or_default();
        mirrored.contains(&(change.spec.clone(), ty.to_string()))
    };
    let of_format = |old: &Api, new: &Api| -> Vec<Change> {
        diff(old, new, from, to, only)
            .changes
            .into_iter()
            .filter(|c| on_mirror(c))
            .collect()
    };
    let openapi = of_format(&old.openapi, &new.openapi);
    let json_schema = of_format(&old.json_schema, &new.json_schema);
    let keys = |changes: &[Change]| -> HashSet<ChangeKey> { changes.iter().map(key).collect() };
    let (openapi_keys, json_schema_keys) = (keys(&openapi), keys(&json_schema));
    for change in result.changes.iter_mut().filter(|c| on_mirror(c)) {
        let k = key(change);
        change.format = match (openapi_keys.contains(&k), json_schema_keys.contains(&k)) {
            (true, false) => Some(SpecFormat::Openapi),
            (false, true) => Some(SpecFormat::JsonSchema),
            _ => None,
        };
    }
    let merged_keys = keys(&result.changes);
    for (changes, format, other) in [
        (openapi, SpecFormat::Openapi, &json_schema_keys),
        (json_schema, SpecFormat::JsonSchema, &openapi_keys),
    ] {
        for mut change in changes {
            let k = key(&change);
            if !other.contains(&k) && !merged_keys.contains(&k) {
                change.format = Some(format);
                result.changes.push(change);
            }
        }
    }
    result
        .changes
        .sort_by(|a, b| (&a.spec, &a.location).cmp(&(&b.spec, &b.location)));
    result
}

type ChangeKey = (String, String, &'static str, String);

/// What makes two changes the same. For a member or schema removed or added, only that it was:
/// its details (required or not before, its type's name) may differ between formats that both
/// made the change.
fn key(change: &Change) -> ChangeKey {
    let presence = matches!(
        change.kind,
        "property-removed" | "schema-removed" | "schema-added"
    );
    (
        change.spec.clone(),
        change.location.clone(),
        change.kind,
        if presence {
            String::new()
        } else {
            change.detail.clone()
        },
    )
}

/// (module, type) of the types defined by a JSON Schema definition that an OpenAPI component
/// mirrors.
fn mirrored(api: &Api) -> HashSet<(String, String)> {
    let openapi = |file: &str| file.contains("/openapi/");
    api.types
        .iter()
        .filter(|t| !openapi(&t.origin.file) && t.aliases.iter().any(|a| openapi(&a.file)))
        .map(|t| (api.modules[t.module].name.clone(), t.name.clone()))
        .collect()
}
