//! Compile-time behaviour of the macros on the real spec files: what compiles (and runs), and
//! what fails with which message at which span (`tests/ui/fail/*.stderr`; regenerate with
//! `TRYBUILD=overwrite cargo test -p acp-macros --test ui`, then read them).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
