//! The version table against the spec files: every pinned version is in the table, and the
//! APIs the table lists for it are exactly the specs its folder has files for.

use std::collections::BTreeSet;
use std::path::Path;

use acp_runtime::versions;

/// `<name>` of the files `<folder>/<prefix><name><suffix>` of a version folder.
fn spec_names(
    version_dir: &Path,
    folder: &str,
    prefix: &str,
    suffixes: &[&str],
) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(version_dir.join(folder)) else {
        return BTreeSet::new();
    };
    entries
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter_map(|file| {
            let rest = file.strip_prefix(prefix)?;
            suffixes
                .iter()
                .find_map(|suffix| rest.strip_suffix(suffix))
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn the_table_lists_the_apis_of_every_pinned_version() {
    let root = acp_specs::resolve_spec_root(None).unwrap_or_else(|e| panic!("{e}"));
    let pins = acp_specs::Pins::embedded();
    let pinned: Vec<&str> = pins.versions().collect();
    let released: Vec<&str> = versions::VERSIONS.iter().map(|f| f.version).collect();
    assert_eq!(
        released, pinned,
        "the table and specs/pins.toml name the same versions"
    );
    for version in pinned {
        let dir = root.join("spec").join(version);
        let facts = versions::released(version).unwrap();
        let mut on_disk = spec_names(&dir, "openapi", "openapi.", &[".yaml", ".yml", ".json"]);
        on_disk.extend(spec_names(&dir, "json-schema", "schema.", &[".json"]));
        let in_table: BTreeSet<String> = facts
            .apis
            .iter()
            .map(|api| api.spec_name().to_string())
            .collect();
        assert_eq!(
            in_table,
            on_disk,
            "the APIs of {version} ({})",
            dir.display()
        );
        let mcp = spec_names(&dir, "openrpc", "openrpc.", &[".json"]);
        let expected_mcp: BTreeSet<String> = facts
            .mcp_binding
            .then(|| "agentic_checkout".to_string())
            .into_iter()
            .collect();
        assert_eq!(mcp, expected_mcp, "the MCP binding of {version}");
        let checkout = dir.join("json-schema/schema.agentic_checkout.json");
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&checkout).unwrap()).unwrap();
        assert_eq!(
            facts.discovery_document,
            schema.pointer("/$defs/DiscoveryResponse").is_some(),
            "the discovery document of {version}"
        );
    }
}
