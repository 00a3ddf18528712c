//! Generates the models of every enabled version from the pinned spec files.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=ACP_SPEC_ROOT");
    let pins = acp_specs::Pins::embedded();
    let enabled: Vec<String> = pins
        .versions()
        .filter(|v| std::env::var_os(format!("CARGO_FEATURE_V{}", v.replace('-', "_"))).is_some())
        .map(str::to_string)
        .collect();
    for version in pins.versions() {
        let feature = format!("v{}", version.replace('-', "_"));
        if !Cargo::has_feature(&feature) {
            println!("cargo:warning=pinned version {version} has no `{feature}` feature in generated/Cargo.toml");
        }
    }
    let server = std::env::var_os("CARGO_FEATURE_SERVER").is_some();
    let client = std::env::var_os("CARGO_FEATURE_CLIENT").is_some();
    let borrowed = std::env::var_os("CARGO_FEATURE_BORROWED").is_some();
    let generator = match acp_codegen::Generator::from_env() {
        Ok(generator) => generator.server(server).client(client).borrowed(borrowed),
        Err(error) => fail(&error.to_string()),
    };
    for version in &enabled {
        let dir = generator.spec_root().join("spec").join(version);
        println!("cargo:rerun-if-changed={}", dir.display());
        for file in pins
            .versions
            .get(version.as_str())
            .into_iter()
            .flat_map(|p| p.files.keys())
        {
            println!(
                "cargo:rerun-if-changed={}",
                generator.spec_root().join(file).display()
            );
        }
    }
    let source = match generator.lib_source(&enabled, false) {
        Ok((source, _warnings)) => source,
        Err(error) => fail(&error.to_string()),
    };
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("acp.rs");
    if let Err(error) = std::fs::write(&out, source) {
        fail(&format!("cannot write {}: {error}", out.display()));
    }
}

/// The features declared in this crate's manifest.
struct Cargo;

impl Cargo {
    fn has_feature(name: &str) -> bool {
        let manifest = include_str!("Cargo.toml");
        manifest
            .lines()
            .any(|line| line.trim_start().starts_with(&format!("{name} =")))
    }
}

fn fail(message: &str) -> ! {
    eprintln!("acp: cannot generate the models: {message}");
    std::process::exit(1);
}
