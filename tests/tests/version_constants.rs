//! The `acp` crate says what it was built from: `SUPPORTED_VERSIONS` (the enabled versions,
//! newest first) and, per version, `SPEC_HASHES` (every spec file read, with its SHA-256),
//! checked here against the pin file compiled into `acp-specs`, an independent source.

use acp_specs::Pins;

/// Each version module's `API_VERSION` and `SPEC_HASHES` (the `acp` dependency of this crate
/// has `all-versions`).
const MODULES: &[(&str, &[(&str, &str)])] = &[
    (acp::v2025_09_29::API_VERSION, acp::v2025_09_29::SPEC_HASHES),
    (acp::v2025_12_12::API_VERSION, acp::v2025_12_12::SPEC_HASHES),
    (acp::v2026_01_16::API_VERSION, acp::v2026_01_16::SPEC_HASHES),
    (acp::v2026_01_30::API_VERSION, acp::v2026_01_30::SPEC_HASHES),
    (acp::v2026_04_17::API_VERSION, acp::v2026_04_17::SPEC_HASHES),
];

#[test]
fn supported_versions_are_the_pinned_versions_newest_first() {
    let pins = Pins::embedded();
    let newest_first: Vec<&str> = pins.versions().rev().collect();
    assert_eq!(acp::SUPPORTED_VERSIONS, newest_first.as_slice());
    let mut modules: Vec<&str> = MODULES.iter().map(|(version, _)| *version).collect();
    modules.reverse();
    assert_eq!(
        modules, newest_first,
        "every pinned version has a module listed in MODULES"
    );
}

#[test]
fn spec_hashes_are_the_pinned_hashes_of_every_spec_file() {
    let pins = Pins::embedded();
    for (version, hashes) in MODULES {
        let pinned = &pins.versions[*version].files;
        let prefix = format!("spec/{version}/");
        let mut paths: Vec<&str> = hashes.iter().map(|(path, _)| *path).collect();
        assert!(
            paths.windows(2).all(|pair| pair[0] < pair[1]),
            "{version}: SPEC_HASHES sorted by path, no duplicates: {paths:?}"
        );
        for (path, hash) in *hashes {
            assert!(path.starts_with(&prefix), "{version}: {path}");
            assert_eq!(
                pinned.get(*path).map(String::as_str),
                Some(*hash),
                "{version}: {path}"
            );
        }
        let mut pinned_spec_files: Vec<&str> = pinned
            .keys()
            .map(String::as_str)
            .filter(|path| path.starts_with(&prefix))
            .collect();
        pinned_spec_files.sort_unstable();
        paths.sort_unstable();
        assert_eq!(
            paths, pinned_spec_files,
            "{version}: SPEC_HASHES covers every pinned spec file"
        );
    }
}
