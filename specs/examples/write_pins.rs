//! Regenerates `specs/pins.toml` from the spec files, until the CLI's
//! `acp-codegen specs pin` exists:
//!
//! ```text
//! cargo run -p acp-specs --example write_pins [-- <spec root>]
//! ```
//!
//! The upstream repository and commit are kept from the current pin file.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let explicit = std::env::args_os().nth(1).map(PathBuf::from);
    let result = acp_specs::resolve_spec_root(explicit.as_deref()).and_then(|root| {
        let path = acp_specs::pins_path();
        let upstream = acp_specs::Pins::load(&path)?.upstream;
        let pins = acp_specs::pin(&root, upstream)?;
        pins.save(&path)?;
        let files: usize = pins.versions.values().map(|v| v.files.len()).sum();
        println!(
            "pinned {files} files of {} versions from {} into {}",
            pins.versions.len(),
            root.display(),
            path.display()
        );
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
