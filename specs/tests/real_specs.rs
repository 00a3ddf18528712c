//! `specs/pins.toml` must match the real spec files (read in place, never copied).

use acp_specs::{pin, resolve_spec_root, spec_versions, Pins};

#[test]
fn pins_toml_is_up_to_date_with_the_spec_files() {
    let root = resolve_spec_root(None).unwrap_or_else(|e| panic!("{e}"));
    let embedded = Pins::embedded();
    let fresh = pin(&root, embedded.upstream.clone()).unwrap_or_else(|e| panic!("{e}"));
    if fresh != embedded {
        let (now, pinned) = (fresh.to_toml(), embedded.to_toml());
        let only_in = |a: &str, b: &str, label: &str| -> Vec<String> {
            a.lines()
                .filter(|l| !b.lines().any(|m| m == *l))
                .map(|l| format!("  {label} {l}"))
                .collect()
        };
        let mut diff = only_in(&now, &pinned, "now:   ");
        diff.extend(only_in(&pinned, &now, "pinned:"));
        panic!(
            "specs/pins.toml does not match the files in {}; if the change is intended, \
             re-run `acp-codegen specs pin`:\n{}",
            root.display(),
            diff.join("\n")
        );
    }
    // Byte-for-byte too, so the committed file is exactly what `pin` writes.
    assert_eq!(
        std::fs::read_to_string(acp_specs::pins_path()).unwrap(),
        fresh.to_toml()
    );
}

#[test]
fn every_version_on_disk_is_pinned() {
    let root = resolve_spec_root(None).unwrap_or_else(|e| panic!("{e}"));
    let embedded = Pins::embedded();
    let on_disk = spec_versions(&root).unwrap();
    assert!(!on_disk.is_empty());
    assert_eq!(embedded.versions().collect::<Vec<_>>(), on_disk);
    assert_eq!(embedded.latest(), on_disk.last().map(String::as_str));
}
