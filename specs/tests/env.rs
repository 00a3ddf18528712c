//! `ACP_SPEC_ROOT` handling. Environment variables are process-wide, so this file (its own
//! test process) holds exactly one test.

use std::fs;

use acp_specs::{resolve_spec_root, Error};

#[test]
fn env_var_is_used_unless_an_explicit_root_is_given() {
    let tmp = tempfile::tempdir().unwrap();
    let from_env = tmp.path().join("env-root");
    let explicit = tmp.path().join("explicit-root");
    fs::create_dir_all(from_env.join("spec")).unwrap();
    fs::create_dir_all(explicit.join("spec")).unwrap();

    std::env::set_var("ACP_SPEC_ROOT", &from_env);
    assert_eq!(resolve_spec_root(None).unwrap(), from_env);
    assert_eq!(resolve_spec_root(Some(&explicit)).unwrap(), explicit);

    // A set but wrong variable is reported, not silently replaced by the default.
    let wrong = tmp.path().join("nowhere");
    std::env::set_var("ACP_SPEC_ROOT", &wrong);
    let err = resolve_spec_root(None).unwrap_err();
    assert!(matches!(err, Error::SpecRootNotFound { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("ACP_SPEC_ROOT"), "{msg}");
    assert!(msg.contains(&wrong.display().to_string()), "{msg}");
    assert!(msg.contains("--spec-root"), "{msg}");

    std::env::remove_var("ACP_SPEC_ROOT");
}
