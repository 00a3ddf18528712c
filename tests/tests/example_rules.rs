//! The rule tables of `acp_e2e::example_files` against the real example files: every key of
//! every keyed example file of every version is matched by at most one rule of each specificity
//! (no ambiguity), its rule does not depend on table order, and every rule is the one chosen for
//! some real key (no rule is dead or shadowed). And every example file is assigned to a version,
//! covering every example file the pin file lists.

use std::collections::BTreeSet;

use acp_e2e::example_files::{
    ambiguities, assign_example_files, lookup, read_example_file, rules_for, Rule,
    FILE_ANNOTATIONS, TABLES,
};
use acp_e2e::{spec_root, versions};

/// The name of the table `rules` (patterns are unique within a table, so a rule is known by
/// its table's name and its pattern).
fn table_name(rules: &[Rule]) -> &'static str {
    TABLES.iter().find(|(_, t)| *t == rules).unwrap().0
}

#[test]
fn rules_are_unambiguous_on_every_real_key() {
    let root = spec_root();
    let files = assign_example_files(&root, &versions());
    let mut problems = files.unassigned.clone();
    let mut chosen: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut keys = 0;
    for (version, paths) in &files.by_version {
        for path in paths {
            let document = match read_example_file(&root, version, path) {
                Ok(document) => document,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            // Files with `$schema` say themselves what they are; the rules are for the others.
            if document.get("$schema").is_some() {
                continue;
            }
            let file_name = path.rsplit('/').next().unwrap();
            let Some(rules) = rules_for(file_name) else {
                problems.push(format!("{path}: no rule table"));
                continue;
            };
            let table = table_name(rules);
            let reversed: Vec<Rule> = rules.iter().rev().copied().collect();
            let keyed = document.as_object().unwrap().keys();
            for key in keyed.filter(|k| !FILE_ANNOTATIONS.contains(&k.as_str())) {
                keys += 1;
                let tied = ambiguities(rules, key);
                for ambiguity in &tied {
                    problems.push(format!("{path}#/{key}: {ambiguity}"));
                }
                let forward = lookup(rules, key);
                let backward = lookup(&reversed, key);
                if let Ok(Some(rule)) = forward {
                    chosen.insert((table, rule.pattern));
                }
                match (forward, backward) {
                    (Ok(Some(a)), Ok(Some(b))) if a == b => {}
                    (Ok(None), Ok(None)) => {
                        problems.push(format!("{path}#/{key}: no rule matches"));
                    }
                    // Two rules of equal specificity: already reported, as one of `tied`.
                    (Err(_), _) | (_, Err(_)) => assert!(!tied.is_empty()),
                    (a, b) => problems.push(format!(
                        "{path}#/{key}: the rule chosen depends on the order of the table: {} in table order, {} in reverse order",
                        a.unwrap().map_or("none".to_string(), |r| r.to_string()),
                        b.unwrap().map_or("none".to_string(), |r| r.to_string()),
                    )),
                }
            }
        }
    }
    for (name, rules) in TABLES {
        for rule in *rules {
            if !chosen.contains(&(*name, rule.pattern)) {
                problems.push(format!(
                    "{name}: {rule} is chosen for no key of any real example file (dead, or shadowed by another rule)"
                ));
            }
        }
    }
    assert!(keys > 100, "only {keys} keys checked");
    assert!(
        problems.is_empty(),
        "{} problem(s) with the example rules:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_real_example_file_is_assigned_to_a_version() {
    let versions = versions();
    let files = assign_example_files(&spec_root(), &versions);
    assert!(
        files.unassigned.is_empty(),
        "example files with no version (not checked):\n{}",
        files.unassigned.join("\n")
    );
    // The walk finds at least every example file the pin file lists, under its version.
    let pins = acp_specs::Pins::embedded();
    for version in &versions {
        let pinned: BTreeSet<&str> = pins.versions[version]
            .files
            .keys()
            .map(String::as_str)
            .filter(|f| f.starts_with("examples/") && f.ends_with(".json"))
            .collect();
        let found: BTreeSet<&str> = files.by_version[version]
            .iter()
            .map(String::as_str)
            .collect();
        let missing: Vec<&&str> = pinned.difference(&found).collect();
        assert!(
            missing.is_empty(),
            "{version}: pinned example files not found: {missing:?}"
        );
        assert!(!found.is_empty(), "{version}: no example files");
    }
    // The subfolders are included (discount-extension/, orders/).
    assert!(files.by_version["2026-04-17"]
        .iter()
        .any(|f| f.starts_with("examples/2026-04-17/orders/")));
}
