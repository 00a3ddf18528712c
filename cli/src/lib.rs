//! The library side of the `acp-codegen` command line: what the commands do beyond calling the
//! generator (the product feed tools, the merchant scaffold), shared with the benchmarks and
//! tests.

pub mod feed;
pub mod scaffold;
